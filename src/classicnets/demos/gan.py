"""The GAN demo: a seed (and the digit, for a class-conditional model) in; a grid of samples and an interpolation
strip between two seeds out.

`sample_grid` and `interpolation_strip` return PIL images (enlarged: MNIST digits are 28 pixels), from
`GANModel.generate` and `GANModel.interpolate`; `build_demo` wires them into a Gradio app.
"""

from __future__ import annotations

__all__ = ["build_demo", "interpolation_strip", "sample_grid"]

SCALE = 4  # 28x28 digits are shown 112x112


def _label(model, digit) -> int | None:
    """The user's digit for a class-conditional model; None for any other (it draws its own labels)."""
    if digit is None or digit == "" or not model.config.takes_user_labels:
        return None
    digit = int(digit)
    if not 0 <= digit < model.config.num_classes:
        raise ValueError(f"digit must be in 0..{model.config.num_classes - 1}, got {digit}.")
    return digit


def sample_grid(model, seed: int, digit: int | None = None, num_images: int = 16, nrow: int = 8, scale: int = SCALE):
    """A PIL grid of `generate(num_images, seed=seed, labels=digit)`."""
    from ..models.gan.image_utils import make_image_grid

    images = model.generate(int(num_images), seed=int(seed), labels=_label(model, digit))  # (N, C, H, W)
    grid = make_image_grid(images, nrow=nrow)
    return grid.resize((grid.width * scale, grid.height * scale), 0)  # 0: nearest neighbour


def interpolation_strip(model, seed_a: int, seed_b: int, steps: int = 8, digit: int | None = None,
                        scale: int = SCALE):
    """One row of `steps` images along the slerp path from the image of `seed_a` to that of `seed_b`."""
    from ..models.gan.image_utils import make_image_grid

    images = model.interpolate(int(seed_a), int(seed_b), steps=int(steps), label=_label(model, digit))
    strip = make_image_grid(images, nrow=int(steps))
    return strip.resize((strip.width * scale, strip.height * scale), 0)


def build_demo(model, title: str = "GAN"):
    """A `gradio.Blocks` app: seed (+ digit) -> grid; seed A, seed B -> interpolation strip."""
    import gradio as gr

    conditional = bool(model.config.takes_user_labels)
    num_classes = model.config.num_classes or 10

    def grid(seed, digit):
        return sample_grid(model, int(seed or 0), digit if conditional else None)

    def strip(seed_a, seed_b, steps, digit):
        return interpolation_strip(model, int(seed_a or 0), int(seed_b or 0), int(steps), digit if conditional
                                   else None)

    kind = "class-conditional " if conditional else ""
    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.Markdown(f"# {title}\nA {kind}generative adversarial network: the generator turns random noise (drawn "
                    "from the seed) into digits. The same seed always gives the same images.")
        with gr.Row():
            seed = gr.Number(value=0, precision=0, label="Seed", elem_id="seed")
            digit = gr.Dropdown(choices=list(range(num_classes)), value=7, label="Digit", visible=conditional,
                                elem_id="digit")
            button = gr.Button("Generate", variant="primary", elem_id="generate")
        image = gr.Image(label="Samples", type="pil", format="png", elem_id="grid")
        gr.Markdown("## Interpolation\nImages along the path in latent space (slerp) from seed A's image to seed B's.")
        with gr.Row():
            seed_a = gr.Number(value=0, precision=0, label="Seed A", elem_id="seed_a")
            seed_b = gr.Number(value=1, precision=0, label="Seed B", elem_id="seed_b")
            steps = gr.Slider(2, 16, value=8, step=1, label="Steps", elem_id="steps")
            interp_button = gr.Button("Interpolate", elem_id="interpolate")
        interp = gr.Image(label="Interpolation", type="pil", format="png", elem_id="strip")
        button.click(grid, [seed, digit], image)
        interp_button.click(strip, [seed_a, seed_b, steps, digit], interp)
        demo.load(grid, [seed, digit], image)  # something to look at straight away
    return demo
