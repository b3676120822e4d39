"""The untrusted side: the child's jail (isolation), the zygote and the wire, a Session per part, and one runner interface for both sides."""
