"""What a planner reads: chart functions of tables (``plots``), the charts of a results folder
(``charts``), the HTML report, the animation, the terminal tables."""
