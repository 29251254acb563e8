"""Updates in: the inbox table, the dispatcher that works through it, the polling
loop that fills it, and the limiter every reply goes through on the way out."""
