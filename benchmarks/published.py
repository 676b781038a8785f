"""Write benchmarks/results/published.json: figures measured elsewhere and published, each with its source.

Nothing here is measured on this project's machines; this script is the one place these figures are typed.
render.py fills them into the docs as ENTRY.KEY (results_files.py reads the file).

    python benchmarks/published.py
"""

from __future__ import annotations

from pathlib import Path

from workshop_lib.records import atomic_write_json

OUT = Path(__file__).resolve().parent / "results" / "published.json"
COMMAND = "python benchmarks/published.py"
BERT = "Devlin et al. 2019, BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
FIGURES = {  # name: what, values (units where they have one), sources
    "gpt1_cola": dict(
        what=(
            "OpenAI GPT (117 M parameters, GPT-2's predecessor), fine-tuned: CoLA MCC x 100 on the GLUE"
            " test set"
        ),
        values={"mcc100": 45.4},
        sources=[
            "Radford et al. 2018, Improving Language Understanding by Generative Pre-Training, table 4",
            BERT + ", table 1",
        ],
    ),
    "bert_glue_test": dict(
        what=(
            "BERT-base (110 M parameters) and BERT-large (340 M), fine-tuned: CoLA MCC x 100 on the "
            "GLUE test set"
        ),
        values={"base": 52.1, "large": 60.5},
        sources=[BERT + ", table 1"],
    ),
    "distilbert_cased": dict(
        what="DistilBERT, cased, fine-tuned: CoLA MCC x 100 on the GLUE test set",
        values={"mcc100": 47.2},
        sources=["model card of distilbert/distilbert-base-cased on the Hugging Face hub"],
    ),
    "bert_base_cased_run_glue": dict(
        what=(
            "bert-base-cased fine-tuned 3 epochs with transformers' run_glue.py: CoLA MCC x 100 on the "
            "validation (dev) set"
        ),
        values={"mcc100": 56.53},
        sources=["transformers, examples/pytorch/text-classification/README.md"],
    ),
    "cola_paper": dict(
        what=(
            "CoLA as its authors describe it: sentences, the linguistics publications they come from, "
            "and how the validation set splits into publications seen in training (in-domain) and "
            "others (out-of-domain)"
        ),
        values={
            "sentences": 10657,
            "publications": 23,
            "in_domain_publications": 17,
            "out_of_domain_publications": 6,
        },
        sources=["Warstadt, Singh & Bowman 2019, Neural Network Acceptability Judgments (TACL)"],
    ),
    "article": dict(
        what=(
            "The popular article this workshop answers: GPT-2 small fine-tuned on CoLA for 3 epochs, "
            "every sentence padded to 1024 tokens, batch 8, on the article's own machine"
        ),
        values={"samples_per_second": 5.04, "seconds": 5085},
        units={"samples_per_second": "samples/s", "seconds": "s"},
        sources=[
            "the article, as the project's issue quotes it (its title and address are not recorded in this "
            "repository)"
        ],
    ),
}


def main() -> None:
    """Write the figures, with the command that wrote them."""
    about = "Figures published elsewhere, each with its source; none was measured on this project's machines."
    atomic_write_json(OUT, {"about": about, "command": COMMAND, "figures": FIGURES})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
