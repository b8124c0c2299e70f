"""The tutor: step-through convolution and pooling, guided lessons and a quiz (NumPy allowed).

Every number these modules show is computed here, by the same `cnncalc.arith` formulas the
calculator uses for sizes, and returned as data; `cnncalc.render.lessons` draws it.
"""
