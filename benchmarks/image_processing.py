"""Benchmark: prepare_image on a 12 MP camera-like JPEG vs a plain Pillow decode + re-encode.

Prints one JSON line: median seconds for both and their ratio (same run, same machine).
"""

from __future__ import annotations

import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from chat_desktop.services.image_processing import prepare_image

ROUNDS = 5


def camera_like_jpeg(path: Path) -> None:
    noise = Image.effect_noise((4000, 3000), 30)
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    photo = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    exif = Image.Exif()
    exif[Image.ExifTags.Base.Orientation] = 6
    photo.save(path, quality=92, exif=exif)


def plain_reencode(path: Path) -> bytes:
    with Image.open(path) as image:
        output = io.BytesIO()
        image.convert("RGB").save(output, format="JPEG", quality=85)
        return output.getvalue()


def median_seconds(action: object) -> float:
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "photo.jpg"
        camera_like_jpeg(source)
        baseline = median_seconds(lambda: plain_reencode(source))
        figure = median_seconds(lambda: prepare_image(source))
        prepared = prepare_image(source)
    print(
        json.dumps(
            {
                "benchmark": "prepare_image_12mp_jpeg",
                "prepare_image_s": round(figure, 4),
                "baseline_plain_pillow_reencode_s": round(baseline, 4),
                "ratio": round(figure / baseline, 3),
                "output_size": [prepared.width, prepared.height],
                "thumbnail_bytes": len(prepared.thumbnail_jpeg),
                "rounds": ROUNDS,
            }
        )
    )


if __name__ == "__main__":
    main()
