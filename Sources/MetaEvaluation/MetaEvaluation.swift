// Running optimizers on tasks and reporting the results.
