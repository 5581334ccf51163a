"""Synthetic test data: cheque scans with handwritten amounts composed from MNIST test digits.

``from tests.synth import make_cheque, write_cheques`` in tests and benchmarks; ``python -m
tests.synth OUT --count N`` writes a folder of scans, a template and the truth for trying by hand.
"""

from .cheque import BOX, HEIGHT, WIDTH, Cheque, amount_field_fractions, make_cheque
from .crops import amount_crop, crop_rect, write_crops
from .files import FORMATS, save_image, save_multipage, save_scan, template_json, to_pil, write_cheques
from .handwriting import Amount, Writer, random_amount, random_writer, render_amount
from .mnist_source import MNIST_PATH, MnistMissing, digit_bank, mnist_available

__all__ = [
    "Amount", "BOX", "Cheque", "FORMATS", "HEIGHT", "MNIST_PATH", "MnistMissing", "WIDTH", "Writer",
    "amount_crop", "amount_field_fractions", "crop_rect", "digit_bank", "make_cheque", "mnist_available",
    "random_amount", "random_writer", "render_amount", "save_image", "save_multipage", "save_scan",
    "template_json", "to_pil", "write_cheques", "write_crops",
]
