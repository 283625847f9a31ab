"""Module.summary(): Keras' table of layers, output shapes and parameter counts (issue 9)."""
import numpy as np

from neuralab import nn


def test_summary_of_an_mlp_returns_and_prints_the_table(capsys):
    model = nn.Sequential(nn.Dense(784, 256, activation="relu"), nn.Dropout(0.3), nn.Dense(256, 10))
    text = model.summary()
    assert capsys.readouterr().out.strip() == text
    lines = text.splitlines()
    assert lines[0].split() == ["Layer", "(type)", "Output", "shape", "Param", "#"]
    assert lines[2].split() == ["0", "(Dense)", "(None,", "256)", "200,960"]
    assert lines[3].split() == ["1", "(Dropout)", "(None,", "256)", "0"]
    assert lines[4].split() == ["2", "(Dense)", "(None,", "10)", "2,570"]
    assert lines[-3:] == ["Total params: 203,530", "Trainable params: 203,530", "Non-trainable params: 0"]
    assert model.num_parameters() == 203530


def test_summary_of_a_cnn_with_batch_norm_and_an_input_shape():
    model = nn.Sequential(nn.Conv2D(1, 4, 3, padding="SAME"), nn.BatchNorm(4), nn.MaxPool2D(2, 2), nn.Flatten(),
                          nn.Dense(64, 10))
    text = model.summary(input_shape=(8, 8, 1), print_fn=None)
    assert "(None, 8, 8, 4)" in text and "(None, 4, 4, 4)" in text and "(None, 64)" in text
    assert "Non-trainable params: 8" in text  # the running mean and variance
    assert "Total params: 706" in text  # 40 + 16 + 650
    assert model.training  # the symbolic run left the mode alone
    y = model(np.zeros((2, 8, 8, 1), np.float32))
    assert y.shape == (2, 10)


def test_summary_without_a_known_input_shows_question_marks():
    model = nn.Sequential(nn.Conv2D(1, 4, 3), nn.Flatten())
    text = model.summary(print_fn=None)
    assert text.splitlines()[2].split()[:3] == ["0", "(Conv2D)", "?"]
