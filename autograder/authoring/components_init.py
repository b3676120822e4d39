"""Reference components of earlier assignments, given to this one."""
