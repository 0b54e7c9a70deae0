"""The example third-party plugin, installed outside the environment that runs the tests, passes
its own tests: what a plugin author copies works as written."""

import os
import subprocess
import sys

from cli_helpers import EXAMPLE_PLUGIN


def test_the_example_plugins_own_tests_pass_where_it_is_installed(example_plugin_installed):
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE_PLUGIN / "tests")],
                            capture_output=True, text=True, timeout=300, cwd=EXAMPLE_PLUGIN, env=dict(os.environ))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
    # the plugin came from its own folder, not from the environment the tests run in
    where = subprocess.run([sys.executable, "-c", "import sonitus_plugin_example as p; print(p.__file__)"],
                           capture_output=True, text=True, env=dict(os.environ)).stdout
    assert where.startswith(os.environ["PYTHONPATH"].split(os.pathsep)[0])
