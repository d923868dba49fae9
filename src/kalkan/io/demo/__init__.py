"""A realistic, made-up demo data set: agencies of several countries, their users, and records.

``generate`` builds the records from a seed, the same every time; ``load_demo`` writes them
through the store into an empty database and issues a token to each demo user.
"""

from kalkan.io.demo.agencies import AGENCIES, SECRETARIAT
from kalkan.io.demo.builder import DEMO_SCHEME, DemoRecord
from kalkan.io.demo.dataset import DEFAULT_SEED, generate
from kalkan.io.demo.loader import DemoCredential, DemoLoad, delete_demo_database, holds_demo, load_demo

__all__ = [
    "AGENCIES",
    "DEFAULT_SEED",
    "DEMO_SCHEME",
    "SECRETARIAT",
    "DemoCredential",
    "DemoLoad",
    "DemoRecord",
    "delete_demo_database",
    "generate",
    "holds_demo",
    "load_demo",
]
