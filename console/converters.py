"""URL converters: a bucket name that is not a valid S3 name never reaches a view (404)."""


class BucketNameConverter:
    regex = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
