"""Genome models, one module per experiment's genome, behind one interface (see :mod:`.base`).

=====================  ===========================  ==========================================
protocol ``kind``      module                       genome
=====================  ===========================  ==========================================
``circuits``           :mod:`.nand_circuit`         Kashtan & Alon 2005 NAND-gate circuits
``retina2005``         :mod:`.threshold_network`    Kashtan & Alon 2005 threshold networks
``retina2013``         :mod:`.weighted_network`     Clune, Mouret & Lipson 2013 weighted networks
=====================  ===========================  ==========================================

Examples
--------
>>> from replication.protocol import load_protocol
>>> model = genome_model(load_protocol("original_protocol/ka2005_logic.toml", "mvg"))
>>> type(model).__name__, model.n_rows
('NandCircuitModel', 16)
"""
from __future__ import annotations

import importlib

from .base import Evaluation

__all__ = ["Evaluation", "MODELS", "genome_model", "model_class"]

#: protocol kind -> (module, class)
MODELS = {
    "circuits": ("nand_circuit", "NandCircuitModel"),
    "retina2005": ("threshold_network", "ThresholdNetworkModel"),
    "retina2013": ("weighted_network", "WeightedNetworkModel"),
}


def model_class(kind: str):
    """The genome model class registered for a protocol ``kind``.

    Parameters
    ----------
    kind : str
        A protocol's ``experiment.kind``: one of the keys of :data:`MODELS`.

    Raises
    ------
    ValueError
        If no model is registered for ``kind``.

    Examples
    --------
    >>> model_class("retina2013").__name__
    'WeightedNetworkModel'
    >>> model_class("tetris")
    Traceback (most recent call last):
    ...
    ValueError: no genome model for experiment kind 'tetris'; known: ['circuits', 'retina2005', 'retina2013']
    """
    try:
        module, name = MODELS[kind]
    except KeyError:
        raise ValueError(f"no genome model for experiment kind {kind!r}; known: {sorted(MODELS)}") from None
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def genome_model(protocol):
    """The genome model of ``protocol`` (bound to its parameters).

    The class is chosen by ``protocol.kind`` (:func:`model_class`) and built with the protocol.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> model = genome_model(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> type(model).__name__, model.n_rows          # 8 pixels: 256 input patterns
    ('ThresholdNetworkModel', 256)
    """
    return model_class(protocol.kind)(protocol)
