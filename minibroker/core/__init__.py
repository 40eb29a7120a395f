"""MiniBroker's core: connections and their policies, migrations, SQL files, errors, the worker pool
and the clock. It imports nothing else of the project; everything else imports it."""
