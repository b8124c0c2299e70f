"""Rendering: results and their Steps → text, rich renderables, SVG/HTML and JSON."""
