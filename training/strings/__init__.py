"""Training of the string recogniser (CNN + CTC) used by digitdesk.numbers for whole amounts.

Trained only on amounts composed from MNIST **training** digits (tests and benchmarks compose
theirs from the test split). ``python -m training.strings.train --out resources/model_strings``
trains from scratch; the shipped model was then fine-tuned (``--init``, ``--extra``) on strips
the runtime cut from whole cheque scans (``python -m training.strings.data --saved``) and
quantised (``python -m training.strings.quantize``): the steps are in its model card, and the
Keras weights it came from are ``training/strings/strings.keras`` (start further fine-tuning there).
"""
