"""Finding segments: UMAP reduction, clustering, and the quality of a segmentation."""
