// Meta-training learned optimizers by truncated unrolls (ES, PES).
