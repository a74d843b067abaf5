"""What the tests share: the scenario builder (``builders``), the closed-form fake engine
(``fake_engine``), synthetic result tables (``synthetic``), the crash hook (``crash_hook``), the
loader fuzz mutations (``fuzz_mutations``) and the paths of the checkout (``paths``)."""
