from flask import Blueprint

from engine import dashboard

from ..auth import caller
from .pages import call, install_error_pages, render

bp = Blueprint("ui_dashboard", __name__, template_folder="templates")
install_error_pages(bp)


@bp.get("/")
def index():
    return render("dashboard.html", summary=call(dashboard.summary, caller()))
