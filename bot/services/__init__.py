"""The rules of the bootcamp. No `telegram` imports: services take plain data,
own their transaction, and return DTOs."""
