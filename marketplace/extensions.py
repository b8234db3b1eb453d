"""Extensions, created unbound; `create_app` binds them."""

from typing import TYPE_CHECKING

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from marketplace.core.db import Base, Database

db = Database(model_class=Base)
# What models subclass: Flask-SQLAlchemy's model class, built on `Base`
# (the type checker sees `Base`, whose typed declarative API it is).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
cache = Cache()
