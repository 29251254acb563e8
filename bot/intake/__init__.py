"""Updates in: the polling loop (and, in webhook mode, the HTTP endpoint) store
every update in the inbox before acknowledging it; the dispatcher's workers
handle inbox rows concurrently across chats and in order within a chat.
Nothing here knows what a command means."""
