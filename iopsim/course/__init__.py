"""The trainee course's building blocks: widgets, self-check quizzes and teaching charts for the
numbered notebooks."""
