// The S3 pages: selection, loading state, and the upload panel (several files, folders, drag and
// drop, a progress bar and Cancel per file, then a summary). Progressive enhancement: without
// this script the table, the Delete of a selection and the one-file upload form work as plain
// HTML forms.
(function () {
  "use strict";

  // --- Selection: "select all" and a Delete that needs something selected ---------------------
  var selection = document.querySelector("[data-selection]");
  if (selection) {
    // The header's box, and the one above the table on narrow screens (where the header is hidden).
    var alls = Array.prototype.slice.call(selection.querySelectorAll("[data-select-all]"));
    var boxes = function () {
      return Array.prototype.slice.call(selection.querySelectorAll("tbody input[type=checkbox]"));
    };
    var count = selection.querySelector("[data-selected-count]");
    var deleteButton = selection.querySelector("[data-needs-selection]");
    var initial = count ? count.textContent : "";
    var sync = function () {
      var list = boxes(), chosen = list.filter(function (b) { return b.checked; }).length;
      alls.forEach(function (all) {
        all.checked = chosen > 0 && chosen === list.length;
        all.indeterminate = chosen > 0 && chosen < list.length;
      });
      if (count) count.textContent = chosen ? chosen + " selected" : initial;
      if (deleteButton) deleteButton.disabled = chosen === 0;
    };
    alls.forEach(function (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (b) { b.checked = all.checked; });
        sync();
      });
    });
    selection.addEventListener("change", function (event) {
      if (alls.indexOf(event.target) < 0) sync();
    });
    var narrowAll = selection.querySelector("[data-narrow-select-all]");
    if (narrowAll && boxes().length) narrowAll.hidden = false;
    sync();
  }

  // --- Loading: paging, sorting, searching and the versions switch ---------------------------
  var loading = document.querySelector("[data-loading]");
  var table = document.querySelector("[data-testid=objects]");
  var showLoading = function () {
    if (loading) loading.hidden = false;
    if (table) table.setAttribute("aria-busy", "true");
  };
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-page-link], [data-sort-link], [role=switch]");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) showLoading();
  });
  var search = document.querySelector("form.s3-search");
  if (search) search.addEventListener("submit", showLoading);
  sortSelect(showLoading);
  // A link styled as a switch: Space turns it, as it does a switch.
  document.addEventListener("keydown", function (event) {
    var sw = event.target.closest && event.target.closest("a[role=switch]");
    if (sw && event.key === " ") {
      event.preventDefault();
      sw.click();
    }
  });

  // --- Narrow screens: a "Sort by" list in place of the column headers' links -----------------
  // Without script the links themselves are shown; both lead to the same server-side sort.
  function sortSelect(onLeave) {
    var links = document.querySelector("[data-sort-links]");
    var wrap = document.querySelector("[data-sort-select-wrap]");
    if (!links || !wrap) return;
    var select = wrap.querySelector("select");
    var words = { size: ["smallest first", "largest first"], modified: ["oldest first", "newest first"] };
    var current = new Option("As listed by S3", window.location.href);
    select.add(current);
    links.querySelectorAll("a[data-sort-link]").forEach(function (link) {
      var url = new URL(link.href, window.location.href);
      var key = url.searchParams.get("sort") || "";
      var pair = words[key] || ["A to Z", "Z to A"];
      ["asc", "desc"].forEach(function (order, i) {
        url.searchParams.set("order", order);
        var option = new Option(link.textContent.trim() + ", " + pair[i], url.href);
        if (link.dataset.sorted === (order === "asc" ? "ascending" : "descending")) {
          option.selected = true;
          current.remove();
        }
        select.add(option);
      });
    });
    select.addEventListener("change", function () {
      onLeave();
      window.location.assign(select.value);
    });
    links.hidden = true;
    wrap.hidden = false;
  }

  // --- Messages of the last upload batch --------------------------------------------------------
  // The panel keeps the server's "Uploaded ..." messages of a batch for the page it loads next
  // (the server cannot: two uploads at once would each save the session's messages, and the
  // last one would win). Shown once, as the server's messages are, breakable after "/", and only
  // on the page the panel sends the browser to, right away (not later, somewhere else).
  var KEPT = "s3-upload-messages";
  var KEPT_FOR_MS = 60 * 1000;
  function here() { return window.location.pathname + window.location.search; }
  (function showKeptMessages() {
    var kept = null;
    try {
      kept = JSON.parse(window.sessionStorage.getItem(KEPT) || "null");
      window.sessionStorage.removeItem(KEPT);
    } catch (e) { kept = null; }
    var fresh = kept && kept.page === here() && Date.now() - kept.at < KEPT_FOR_MS;
    var texts = fresh && Array.isArray(kept.texts) ? kept.texts : [];
    var box = document.querySelector("[data-messages]");
    if (!box || !texts.length) return;
    texts.forEach(function (message) {
      var line = document.createElement("p");
      line.className = "message success";
      line.setAttribute("role", "status");
      String(message).split("/").forEach(function (piece, i) {
        if (i) { line.appendChild(document.createTextNode("/")); line.appendChild(document.createElement("wbr")); }
        line.appendChild(document.createTextNode(piece));
      });
      box.appendChild(line);
    });
    box.hidden = false;
  })();

  // --- Upload panel ----------------------------------------------------------------------------
  var form = document.querySelector("[data-upload-form]");
  var panel = document.querySelector("[data-upload-panel]");
  if (!form || !panel) return;
  var fileInput = form.querySelector("input[type=file][name=file]");
  if (!fileInput || fileInput.disabled) return;
  var folderInput = document.getElementById("id_folder");
  var list = panel.querySelector("[data-upload-list]");
  var summary = panel.querySelector("[data-upload-summary]");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var basePrefix = form.dataset.prefix || "";
  var PARALLEL = 2;
  // ?keep-panel stays on the panel after a successful batch (screenshots, tests of the panel).
  var keepPanel = /[?&]keep-panel(=|&|$)/.test(window.location.search);
  var queue = [], running = 0, results = [];
  var CANCELLED = "Cancelled";

  fileInput.multiple = true;
  fileInput.required = false;
  var extra = form.querySelector("[data-upload-extra]");
  if (extra) extra.hidden = false;
  var hint = document.querySelector("[data-drop-hint]");
  if (hint) hint.hidden = false;

  function uploadUrl(relativePath) {
    var url = new URL(form.action, window.location.href);
    var slash = relativePath.lastIndexOf("/");
    url.searchParams.set("prefix", basePrefix + (slash >= 0 ? relativePath.slice(0, slash + 1) : ""));
    return url;
  }

  // File names as the server shows keys (console/text.py): controls, bidi overrides and isolates,
  // zero-width and other invisible characters written out as \u202e, so that "\u202egnp.exe"
  // cannot pass for "exe.png".
  var INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}\p{Zs}]/u;
  function isInvisible(c) { return c !== " " && INVISIBLE.test(c); }
  function escaped(c) {
    var code = c.codePointAt(0);
    return code <= 0xffff ? "\\u" + ("000" + code.toString(16)).slice(-4) : "\\U" + ("0000000" + code.toString(16)).slice(-8);
  }
  function visible(text) {
    return Array.from(text).map(function (c) { return isInvisible(c) ? escaped(c) : c; }).join("");
  }
  // Into `parent`: `text` with each invisible character in a marked span (as |visible does).
  function appendVisible(parent, text) {
    var plain = "";
    Array.from(text).forEach(function (c) {
      if (!isInvisible(c)) { plain += c; return; }
      if (plain) parent.appendChild(document.createTextNode(plain));
      plain = "";
      var mark = document.createElement("span");
      mark.className = "escaped";
      mark.title = "invisible character";
      mark.textContent = escaped(c);
      parent.appendChild(mark);
    });
    if (plain) parent.appendChild(document.createTextNode(plain));
  }
  // A path in pieces that end in "/": the line breaks between them only.
  function nameLabel(path) {
    var label = document.createElement("span");
    label.className = "upload-name";
    label.title = visible(path);
    (path.match(/[^/]*\/|[^/]+$/g) || [""]).forEach(function (piece, i) {
      if (i) label.appendChild(document.createElement("wbr"));
      var seg = document.createElement("span");
      seg.className = "seg";
      appendVisible(seg, piece);
      label.appendChild(seg);
    });
    return label;
  }

  function sizeText(bytes) {
    var units = ["bytes", "KB", "MB", "GB"], i = 0, n = bytes;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    return (i ? n.toFixed(1) : String(n)) + " " + units[i];
  }

  function addFile(file, relativePath) {
    var item = document.createElement("li");
    item.className = "upload-item";
    item.dataset.testid = "upload-item";
    var name = nameLabel(relativePath);
    var shown = visible(relativePath);
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload progress of " + shown);
    var status = document.createElement("span");
    status.className = "upload-status muted";
    status.textContent = "Waiting · " + sizeText(file.size);
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn small";
    cancel.textContent = "Cancel";
    cancel.setAttribute("aria-label", "Cancel " + shown);
    item.append(name, bar, status, cancel);
    list.appendChild(item);
    var job = { file: file, path: relativePath, bar: bar, status: status, cancel: cancel, item: item, xhr: null, done: false };
    cancel.addEventListener("click", function () { stop(job); });
    queue.push(job);
    panel.hidden = false;
  }

  function finish(job, ok, reason) {
    if (job.done) return;
    job.done = true;
    job.cancel.remove();
    job.item.classList.add(ok ? "ok" : "failed");
    job.bar.value = ok ? 100 : 0; // a failed upload's bar is empty (and ringed in red), not nearly full
    job.status.textContent = ok ? "Uploaded · " + sizeText(job.file.size) : reason;
    results.push({ path: job.path, ok: ok, reason: reason, cancelled: reason === CANCELLED, message: job.message });
    running = Math.max(0, running - (job.xhr ? 1 : 0));
    job.xhr = null;
    pump();
  }

  function stop(job) {
    if (job.done) return;
    if (job.xhr) {
      job.xhr.abort(); // the server sees a body cut short and discards the parts already sent
    } else {
      queue.splice(queue.indexOf(job), 1);
      finish(job, false, CANCELLED);
    }
  }

  function start(job) {
    var xhr = new XMLHttpRequest();
    job.xhr = xhr;
    running += 1;
    // The file is the body (the server streams it into S3 without parsing a form); the CSRF
    // token travels in a header and is checked before the first byte is read.
    var url = uploadUrl(job.path);
    url.searchParams.set("name", job.path.slice(job.path.lastIndexOf("/") + 1));
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.setRequestHeader("Content-Type", job.file.type || "application/octet-stream");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var percent = Math.floor((event.loaded / event.total) * 100);
      job.bar.value = Math.min(99, percent); // 100 when S3 has the whole object
      job.status.textContent = percent + "% of " + sizeText(job.file.size);
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
      if (xhr.status === 201) { job.message = answer.message; finish(job, true); }
      else if (xhr.status === 403 && !answer.error) finish(job, false, "Refused (the page may be stale: reload it)");
      else finish(job, false, answer.error || "Failed (HTTP " + xhr.status + ")");
    });
    xhr.addEventListener("error", function () { finish(job, false, "The connection failed"); });
    xhr.addEventListener("abort", function () { finish(job, false, CANCELLED); });
    xhr.send(job.file);
    job.status.textContent = "0% of " + sizeText(job.file.size);
  }

  function pump() {
    while (running < PARALLEL && queue.length) start(queue.shift());
    if (!running && !queue.length && results.length) report();
  }

  function keepMessages() {
    var texts = results.filter(function (r) { return r.ok && r.message; }).map(function (r) { return r.message; });
    var kept = { page: here(), at: Date.now(), texts: texts }; // the folder reloads, or the link goes, here
    try { window.sessionStorage.setItem(KEPT, JSON.stringify(kept)); } catch (e) { /* storage off: no messages */ }
  }

  function report() {
    var ok = results.filter(function (r) { return r.ok; }).length;
    var cancelled = results.filter(function (r) { return r.cancelled; }).length;
    var failed = results.length - ok - cancelled;
    if (ok === results.length && !keepPanel) {
      // Everything is in: show the folder again, with the new objects and the server's messages.
      summary.textContent = "Upload finished: " + ok + " succeeded. Loading the folder…";
      keepMessages();
      window.location.reload();
      return;
    }
    summary.textContent = "";
    var text = document.createElement("span");
    text.dataset.testid = "upload-summary";
    text.textContent = "Upload finished: " + ok + " succeeded, " + failed + " failed." +
      (cancelled ? " (" + cancelled + " cancelled)" : "");
    summary.appendChild(text);
    if (ok) {
      var refresh = document.createElement("a");
      refresh.href = window.location.href;
      refresh.textContent = " Show them in the list";
      refresh.addEventListener("click", keepMessages);
      summary.appendChild(refresh);
    }
  }

  function enqueue(entries) {
    results = results.filter(function () { return running || queue.length; });
    summary.textContent = "";
    entries.forEach(function (e) { addFile(e.file, e.path); });
    pump();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = Array.prototype.slice.call(fileInput.files || []);
    if (!files.length) {
      fileInput.focus();
      return;
    }
    enqueue(files.map(function (f) { return { file: f, path: f.name }; }));
    fileInput.value = "";
  });
  if (folderInput) {
    folderInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(folderInput.files || []);
      enqueue(files.map(function (f) { return { file: f, path: f.webkitRelativePath || f.name }; }));
      folderInput.value = "";
    });
  }

  // Drag and drop anywhere on the page; folders are walked (their files keep relative paths).
  var target = document.querySelector("[data-drop-target]") || document.body;
  var depth = 0;
  function hasFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") >= 0;
  }
  document.addEventListener("dragenter", function (event) {
    if (!hasFiles(event)) return;
    depth += 1;
    document.body.classList.add("dropping");
  });
  document.addEventListener("dragleave", function () {
    depth = Math.max(0, depth - 1);
    if (!depth) document.body.classList.remove("dropping");
  });
  document.addEventListener("dragover", function (event) {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  document.addEventListener("drop", function (event) {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    document.body.classList.remove("dropping");
    var items = Array.prototype.slice.call(event.dataTransfer.items || []);
    var entries = items.map(function (i) { return i.webkitGetAsEntry ? i.webkitGetAsEntry() : null; });
    if (!entries.length || entries.some(function (e) { return !e; })) {
      enqueue(Array.prototype.slice.call(event.dataTransfer.files).map(function (f) { return { file: f, path: f.name }; }));
      return;
    }
    var found = [];
    Promise.all(entries.map(function (e) { return walk(e, "", found); })).then(function () { enqueue(found); });
  });
  target.classList.add("drop-ready");

  function walk(entry, path, found) {
    if (entry.isFile) {
      return new Promise(function (resolve) {
        entry.file(function (file) {
          found.push({ file: file, path: path + file.name });
          resolve();
        }, function () { resolve(); });
      });
    }
    if (!entry.isDirectory) return Promise.resolve();
    var reader = entry.createReader(), children = [];
    return new Promise(function (resolve) {
      (function more() {
        reader.readEntries(function (batch) {
          if (!batch.length) {
            Promise.all(children.map(function (c) { return walk(c, path + entry.name + "/", found); })).then(resolve);
            return;
          }
          children = children.concat(Array.prototype.slice.call(batch));
          more();
        }, function () { resolve(); });
      })();
    });
  }
})();
