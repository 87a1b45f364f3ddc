"""Low-level persistence shared by every stage: content hashes, atomic files, the stage cache."""
