"""The baseline of the throughput budget: a bare Flask app, served by the same gunicorn."""

from flask import Flask

app = Flask("bare_hello")


@app.route("/")
def hello():
    return "hello"
