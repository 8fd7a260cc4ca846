// The TRL backend's output: one self-contained Python training script per method (SFT, KTO, DPO)
// and a JSON config beside it. The script parses its arguments and checks the data before it
// imports torch, transformers or trl, so `--help` and `--dry-run` work on any machine with Python.
// Rows are rendered to text with the model's own chat template (tools included) before training:
// tool-call arguments differ in shape from row to row, which a columnar dataset cannot hold.
import type { TrlOptions } from './config';

export type TrlMethod = 'sft' | 'kto' | 'dpo';

export function trlMethodOf(format: string): TrlMethod {
  if (format === 'trl-kto') return 'kto';
  if (format === 'trl-dpo') return 'dpo';
  return 'sft';
}

/** The paper's settings where the user gave none: SFT lr 2e-5 for 3 epochs; KTO (and DPO) lr 5e-7. */
export function trlSettings(
  method: TrlMethod,
  o: TrlOptions,
  io: { data: string; model: string; outputDir: string; seed: number },
): Record<string, unknown> {
  return {
    method,
    data: io.data,
    model: io.model,
    output_dir: io.outputDir,
    seed: io.seed,
    learning_rate: o.learningRate ?? (method === 'sft' ? 2e-5 : 5e-7),
    num_train_epochs: o.epochs ?? (method === 'sft' ? 3 : 1),
    per_device_train_batch_size: o.batchSize,
    gradient_accumulation_steps: o.gradientAccumulation,
    max_length: o.maxLength,
    beta: o.beta,
    desirable_weight: o.desirableWeight,
    undesirable_weight: o.undesirableWeight,
    lora: o.lora || o.qlora,
    qlora: o.qlora,
    lora_r: o.loraR,
    lora_alpha: o.loraAlpha,
    lora_dropout: o.loraDropout,
  };
}

const q = (s: string): string => JSON.stringify(s);

/** The script's text. `configPath` is the default of its --config flag. */
export function trlScript(method: TrlMethod, configPath: string): string {
  const fields: Record<TrlMethod, string[]> = {
    sft: ['messages'],
    kto: ['prompt', 'completion', 'label'],
    dpo: ['prompt', 'chosen', 'rejected'],
  };
  const title = { sft: 'supervised fine-tuning (SFT)', kto: 'KTO', dpo: 'DPO' }[method];
  return `#!/usr/bin/env python3
"""Train a causal language model with TRL: ${title}.

Written by \`josh train --backend trl\` (josh-harvest) for one exported training file. Settings come
from the JSON config next to this script; the flags below override them. \`--dry-run\` checks the
data and prints the settings without loading a model.

Needs: torch, transformers, datasets, trl, peft (LoRA), bitsandbytes (QLoRA).
"""
import argparse
import json
import sys

METHOD = ${q(method)}
REQUIRED_FIELDS = ${JSON.stringify(fields[method])}
DEFAULT_CONFIG = ${q(configPath)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="TRL ${title} on a josh export.")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help="settings file (JSON)")
    parser.add_argument("--data", help="training JSONL (default: the config's)")
    parser.add_argument("--model", help="base model name or path (default: the config's)")
    parser.add_argument("--output-dir", help="where the trained model goes")
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--epochs", type=float, help="number of training epochs")
    parser.add_argument("--beta", type=float, help="KTO/DPO beta")
    parser.add_argument("--lora", dest="lora", action="store_true", default=None, help="train LoRA adapters")
    parser.add_argument("--no-lora", dest="lora", action="store_false", help="train every weight")
    parser.add_argument("--qlora", action="store_true", default=None, help="LoRA on a 4-bit base model")
    parser.add_argument("--dry-run", action="store_true", help="check data and settings, train nothing")
    return parser.parse_args(argv)


def settings_from(args):
    with open(args.config, encoding="utf-8") as f:
        s = json.load(f)
    overrides = {
        "data": args.data,
        "model": args.model,
        "output_dir": args.output_dir,
        "learning_rate": args.learning_rate,
        "num_train_epochs": args.epochs,
        "beta": args.beta,
        "lora": args.lora,
        "qlora": args.qlora,
    }
    for key, value in overrides.items():
        if value is not None:
            s[key] = value
    if s.get("qlora"):
        s["lora"] = True
    if s.get("method", METHOD) != METHOD:
        sys.exit("config is for %s, this script trains %s" % (s.get("method"), METHOD))
    return s


def read_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as err:
                sys.exit("%s line %d: not JSON (%s)" % (path, number, err))
            missing = [k for k in REQUIRED_FIELDS if k not in row]
            if missing:
                sys.exit("%s line %d: missing %s" % (path, number, ", ".join(missing)))
            rows.append(row)
    if not rows:
        sys.exit("%s: no training rows" % path)
    return rows


def as_template_messages(messages):
    """Tool-call arguments as objects, which is what chat templates expect."""
    out = []
    for m in messages:
        m = dict(m)
        calls = []
        for call in m.get("tool_calls") or []:
            call = json.loads(json.dumps(call))
            fn = call.get("function", {})
            if isinstance(fn.get("arguments"), str):
                try:
                    fn["arguments"] = json.loads(fn["arguments"])
                except ValueError:
                    pass
            calls.append(call)
        if calls:
            m["tool_calls"] = calls
        out.append(m)
    return out


def render(tokenizer, messages, tools, generation_prompt=False):
    return tokenizer.apply_chat_template(
        as_template_messages(messages),
        tools=tools or None,
        tokenize=False,
        add_generation_prompt=generation_prompt,
    )


def continuation(tokenizer, prompt, reply, tools):
    """The text the reply adds after the prompt (its assistant turn, as the template writes it)."""
    head = render(tokenizer, prompt, tools, generation_prompt=True)
    whole = render(tokenizer, list(prompt) + list(reply), tools)
    return whole[len(head):] if whole.startswith(head) else whole


def text_rows(tokenizer, rows):
    out = []
    for r in rows:
        tools = r.get("tools")
        if METHOD == "sft":
            out.append({"text": render(tokenizer, r["messages"], tools)})
            continue
        prompt = render(tokenizer, r["prompt"], tools, generation_prompt=True)
        if METHOD == "kto":
            out.append({
                "prompt": prompt,
                "completion": continuation(tokenizer, r["prompt"], r["completion"], tools),
                "label": bool(r["label"]),
            })
        else:
            out.append({
                "prompt": prompt,
                "chosen": continuation(tokenizer, r["prompt"], r["chosen"], tools),
                "rejected": continuation(tokenizer, r["prompt"], r["rejected"], tools),
            })
    return out


def train(s, rows):
    # Imported only here: --help and --dry-run need none of them.
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    import trl

    tokenizer = AutoTokenizer.from_pretrained(s["model"])
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model_kwargs = {"torch_dtype": torch.bfloat16 if torch.cuda.is_available() else torch.float32}
    if s["qlora"]:
        from transformers import BitsAndBytesConfig

        model_kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    model = AutoModelForCausalLM.from_pretrained(s["model"], **model_kwargs)
    peft_config = None
    if s["lora"]:
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=s["lora_r"],
            lora_alpha=s["lora_alpha"],
            lora_dropout=s["lora_dropout"],
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        )
    dataset = Dataset.from_list(text_rows(tokenizer, rows))
    common = dict(
        output_dir=s["output_dir"],
        learning_rate=s["learning_rate"],
        num_train_epochs=s["num_train_epochs"],
        per_device_train_batch_size=s["per_device_train_batch_size"],
        gradient_accumulation_steps=s["gradient_accumulation_steps"],
        max_length=s["max_length"],
        logging_steps=1,
        save_strategy="epoch",
        report_to="none",
        seed=s["seed"],
        bf16=torch.cuda.is_available(),
    )
    if METHOD == "sft":
        config = trl.SFTConfig(dataset_text_field="text", **common)
        trainer_class = trl.SFTTrainer
    elif METHOD == "kto":
        config = trl.KTOConfig(
            beta=s["beta"],
            desirable_weight=s["desirable_weight"],
            undesirable_weight=s["undesirable_weight"],
            **common,
        )
        trainer_class = trl.KTOTrainer
    else:
        config = trl.DPOConfig(beta=s["beta"], **common)
        trainer_class = trl.DPOTrainer
    trainer = trainer_class(
        model=model,
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.train()
    trainer.save_model(s["output_dir"])
    tokenizer.save_pretrained(s["output_dir"])
    print("saved the trained model to %s" % s["output_dir"], flush=True)


def main(argv=None):
    args = parse_args(argv)
    s = settings_from(args)
    rows = read_rows(s["data"])
    summary = {"method": METHOD, "rows": len(rows)}
    if METHOD == "kto":
        good = sum(1 for r in rows if r["label"])
        summary["desirable"] = good
        summary["undesirable"] = len(rows) - good
        if good == 0 or good == len(rows):
            print("warning: KTO needs both desirable and undesirable examples", file=sys.stderr)
    print(json.dumps({"settings": s, "data": summary}, indent=2), flush=True)
    if args.dry_run:
        return 0
    train(s, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;
}
