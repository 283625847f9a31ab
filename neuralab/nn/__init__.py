"""Neural-network building blocks: Module/Parameter/Buffer, containers, the lectures' layers,
embeddings and recurrent layers (RNN, LSTM, GRU and their cells), and initializers.

>>> import neuralab as nl
>>> from neuralab import nn
>>> model = nn.Sequential(nn.Dense(784, 256, activation="relu"), nn.Dropout(0.3), nn.Dense(256, 10))
>>> model.num_parameters()
203530
>>> list(model.state_dict())
['0.weight', '0.bias', '2.weight', '2.bias']
"""
from . import functional, init, utils
from .layers import (
    ELU, SELU, AvgPool2D, BatchNorm, Conv2D, Conv2DTranspose, ConvTranspose2D, Dense, Dropout, Ensemble, Flatten,
    FullyConnected, LeakyReLU, Linear, LogSoftmax, MaxPool2D, Maxout, PReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh,
    get_activation,
)
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import (
    Buffer, Lambda, LoadResult, Module, ModuleList, Parameter, Sequential, StateDictError, functional_call,
)
from .embedding import Embedding
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

__all__ = [
    "AvgPool2D", "BCELoss", "BCEWithLogitsLoss", "BatchNorm", "Buffer", "CrossEntropyLoss", "MSELoss", "NLLLoss",
    "Conv2D", "Conv2DTranspose", "ConvTranspose2D", "Dense", "Dropout", "ELU", "Ensemble", "Flatten",
    "FullyConnected",
    "Lambda", "LeakyReLU", "Linear", "LoadResult", "LogSoftmax", "MaxPool2D", "Maxout", "Module", "ModuleList",
    "PReLU", "Parameter", "ReLU", "SELU", "Sequential", "Sigmoid", "Softmax", "Softplus", "StateDictError", "Tanh",
    "functional", "functional_call", "get_activation", "init", "utils",
    "Embedding", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell",  # sequence models
]
