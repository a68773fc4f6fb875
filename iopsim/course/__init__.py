"""The trainee course's building blocks for the numbered notebooks: `widgets` (forms and run panels),
`quiz` (self-check questions) and the teaching charts, one module per subject (`journey_charts`,
`capacity_charts`, `schedule_charts`, `relapse_charts`, `program_charts`; `chart_basics` says what
they share)."""
