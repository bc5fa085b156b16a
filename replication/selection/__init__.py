"""Selection schemes. They see fitness values only, never genomes (cf. pymoo's separation)."""
