"""The register of reviews and letters: storage, sampling, timeliness and permanence."""
