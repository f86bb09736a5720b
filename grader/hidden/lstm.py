"""lstm: hidden checks against the reference (plain torch; ``tests/test_lstm_reference.py``
holds it equal to torch.nn.LSTMCell, LSTM, GRUCell and RNNCell)."""

from __future__ import annotations

from grader.bank.lstm import gru_step_calls, lstm_forward_calls, lstm_step_calls, rnn_step_calls
from grader.checks import ReferenceParity

CHECKS = (
    ReferenceParity(name="lstm_step matches reference", function="lstm_step", points=1.75, inputs=lstm_step_calls),
    ReferenceParity(
        name="lstm_forward matches reference", function="lstm_forward", points=1.25, inputs=lstm_forward_calls
    ),
    ReferenceParity(name="gru_step matches reference", function="gru_step", points=1.5, inputs=gru_step_calls),
    ReferenceParity(name="rnn_step matches reference", function="rnn_step", points=0.75, inputs=rnn_step_calls),
)
