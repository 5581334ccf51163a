"""Training of the string recogniser (CNN + CTC) used by digitdesk.numbers for whole amounts.

Trained only on amounts composed from MNIST **training** digits (tests and benchmarks compose
theirs from the test split). ``python -m training.strings.train --out resources/model_strings``.
"""
