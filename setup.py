"""Maps the repository folders onto the import names (see pyproject.toml).

``core/`` is ``sonitus``, ``plugins/`` is ``sonitus.plugins`` and ``dsl/`` is
``sonitus.dsl``; every sub-package below them is found automatically, data folders such
as ``weights/`` and ``recipes/`` too (as namespace packages, so that setuptools ships their
files without a warning).
"""

from setuptools import find_namespace_packages, setup

FOLDERS = {"sonitus": "core", "sonitus.plugins": "plugins", "sonitus.dsl": "dsl"}

packages: list[str] = []
package_dir: dict[str, str] = {}
for package, folder in FOLDERS.items():
    packages.append(package)
    package_dir[package] = folder
    for sub in find_namespace_packages(where=folder, exclude=["*__pycache__*", "__pycache__"]):
        packages.append(f"{package}.{sub}")
        package_dir[f"{package}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
