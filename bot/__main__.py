"""`python -m bot`: the same as `crosscheck bot`."""

from bot.cli import app

if __name__ == "__main__":
    app(["bot"])
