"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask CLI."""

from dotenv import load_dotenv

from marketplace import create_app

load_dotenv()
app = create_app()
