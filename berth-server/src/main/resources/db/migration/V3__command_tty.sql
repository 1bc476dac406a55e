-- Whether a command runs on a terminal (berth exec): what `berth tty ls` lists.
ALTER TABLE commands ADD COLUMN tty INTEGER NOT NULL DEFAULT 0;
