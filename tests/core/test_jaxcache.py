"""The persistent compilation cache: where it lives and how large it may grow."""

import os
import subprocess
import sys


def _enabled_in_a_fresh_process(tmp_path, **env) -> list[str]:
    script = ("from sonitus import jaxcache; import jax; jaxcache.enable(); "
              "print(jax.config.jax_compilation_cache_dir); print(jax.config.jax_compilation_cache_max_size)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "SONITUS_CACHE_DIR": str(tmp_path), **env})
    return out.stdout.split()


def test_the_kernel_cache_lives_in_the_sonitus_cache_and_is_bounded(tmp_path):
    from sonitus.jaxcache import MAX_BYTES

    where, size = _enabled_in_a_fresh_process(tmp_path)
    assert where == str(tmp_path / "jax-lru") and int(size) == MAX_BYTES
    assert int(_enabled_in_a_fresh_process(tmp_path, SONITUS_JAX_CACHE_MB="64")[1]) == 64 * 2**20
