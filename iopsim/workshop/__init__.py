"""The educator workshop: challenge cards, team plans, a fair run of every team, a leaderboard.

Import from the module that does the job; each name lives in one place:

    values       lever values as plain data: made plain, compared, shown as a choice
    rules        levers and limits (``Lever``, ``Constraints``) and checking a plan (``PlanCheck``)
    cards        the challenge card: format, checks, ``load_card``/``load_cards``, ``card_html``
    submissions  team plans in the shared folder: ``write_submission``, ``load_submissions``; team names
    room         one workshop's shared folder: the card, teams signed in by id, plans checked on arrival
    tournament   ``run_workshop`` / ``run_room`` (every valid plan, same clients) and the ``leaderboard``
    charts       leaderboard, debrief, trade-off and sweep charts
    forms        the team page: ``team_form`` (sign in, plan, submit, download the handout)
    handouts     printable pages: a team's results, a notebook, the client journey
    facilitator_page  the facilitator's page of a served room: teams, closing, the run, the debrief

Each module imports only the ones above it in this list, so the team's form never loads the
facilitator's charts (matplotlib) or pandas, and nothing here needs ipywidgets or nbconvert until
a form is built or a notebook printed.  Pages and widget HTML are the templates
``workshop_*.html`` and ``handout_*.html`` in ``iopsim/present/templates``.

    from iopsim.workshop import cards, submissions, tournament
    card = cards.load_card("hospital-closes")
    submissions.write_submission("workshop/submissions", "Team Blue", card, card.scenario_for({...}, "Team Blue"))
    result = tournament.run_workshop(card, "workshop/submissions", reps=10, seed=1)
"""
