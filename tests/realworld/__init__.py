"""The real-world corpus: public ML repositories reduced to what the gate reads, with the facts they must yield."""
