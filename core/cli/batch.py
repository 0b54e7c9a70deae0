"""``sonitus batch PIPELINE INPUTS... -o OUT.jsonl``: a pipeline over many files."""

from __future__ import annotations

import sys

import click
from sonitus.batch import parse_pipeline, run_dataset

from .app import cli


@cli.command()
@click.argument("pipeline")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="JSONL file: one row a file (path, ok, result or error, seconds); appended to on a rerun.")
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(1, 4096),
              help="Files each stage gets at once.")
@click.option("--retry-errors", is_flag=True, help="Redo the files whose earlier row is an error.")
@click.option("--keep-going", is_flag=True, help="Exit 0 even when some files failed (their rows say why).")
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: this process. ray: a pool of Ray workers, each loading the pipeline once "
                   "(pip install 'sonitus[ray]').")
@click.option("--address", default=None, metavar="ADDRESS",
              help="With --backend ray: the cluster to join ('auto', 'ray://head:10001'); a local Ray otherwise.")
@click.option("--workers", default=None, type=click.IntRange(1, None),
              help="With --backend ray: how many workers (default: one a CPU of the cluster).")
def batch(pipeline: str, inputs: tuple[str, ...], output: str, batch_size: int, retry_errors: bool, keep_going: bool,
          backend: str, address: str | None, workers: int | None) -> None:
    """Run PIPELINE over INPUTS (files, folders, globs, .tsv manifests) and write one JSON row
    a file to OUTPUT. A bad file becomes an error row and the run goes on; rerun the same
    command to finish a killed run (files that have a row are skipped). Audio, MIDI and
    features that the pipeline makes are written to OUTPUT.files/.

    \b
    Examples:
      sonitus batch "whisper" recordings/ -o transcripts.jsonl
      sonitus batch "to-mono >> resample(sample_rate=16000) >> logmel(n_mels=80)" "clips/*.wav" -o mels.jsonl
      sonitus batch "fluidsynth(sample_rate=22050)" songs/ -o renders.jsonl
      sonitus batch "whisper" archive.tsv -o transcripts.jsonl --backend ray --workers 8
      sonitus batch "load(sample_rate=8000) >> normalize" calls/ -o loud.jsonl   (a reader with its options)

    The exit status is 1 when any file failed (see its error row; --keep-going: 0), and no work
    starts when an input does not exist or a folder holds no audio or MIDI file.
    """

    if backend == "local" and (address or workers):
        raise click.UsageError("--address and --workers go with --backend ray.")
    counts = run_dataset(parse_pipeline(pipeline), inputs, output, batch_size=batch_size, retry_errors=retry_errors,
                         backend=backend, address=address, workers=workers)
    rate = counts["done"] / counts["seconds"] if counts["seconds"] else 0.0
    click.echo(f"{counts['done']} done, {counts['errors']} errors, {counts['skipped']} skipped (already in "
               f"{output}) in {counts['seconds']:.1f} s ({rate:.1f} files/s)")
    if counts["errors"] and not keep_going:
        click.echo(f"{counts['errors']} file(s) failed: their rows in {output} say why (--retry-errors redoes them).",
                   err=True)
        sys.exit(1)
