"""Log values that cannot forge log lines."""


def clean(value, limit: int = 200) -> str:
    text = str(value)[:limit]
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")
