// @ts-check
/**
 * Every technical word on the page, defined once, for a 15-year-old: one or two sentences,
 * at most 200 characters (tests/js/glossary.test.mjs checks). `term` is the name the tooltip
 * shows; `also` lists other spellings that mean the same thing. Plurals ("neurons"), case
 * ("Learning rate") and a hyphen for a space ("learning-rate schedule") need no entry:
 * glossary.js matches them.
 *
 * @typedef {{term: string, also?: string[], definition: string}} GlossaryEntry
 */

/** @type {readonly GlossaryEntry[]} */
export const TERMS = Object.freeze([
  // --- the network ---
  {
    term: "neural network",
    definition:
      "A program made of many small connected neurons that learns a task from examples, instead of following rules someone wrote by hand.",
  },
  {
    term: "neuron",
    also: ["hidden unit"],
    definition:
      "One small calculator in the network: it multiplies each input by a weight, adds them up with a bias, and passes the sum through an activation function.",
  },
  {
    term: "weight",
    definition:
      "A number on a connection saying how strongly one neuron's output pushes the next neuron, up (positive) or down (negative). Training adjusts the weights.",
  },
  {
    term: "bias",
    definition:
      "A number each neuron adds to its weighted sum, so it can switch on more or less easily, even when all its inputs are zero.",
  },
  {
    term: "parameter",
    definition:
      "A number the network learns during training: all its weights and biases together. Bigger models have more parameters.",
  },
  {
    term: "layer",
    also: ["hidden layer"],
    definition:
      "A group of neurons that all read the same input and pass their outputs on to the next layer. Hidden layers are the ones between the input and the output.",
  },
  {
    term: "dense layer",
    also: ["fully connected layer", "linear layer"],
    definition: "A layer in which every neuron is connected to every output of the layer before it.",
  },
  {
    term: "feature",
    also: ["input feature"],
    definition:
      "One input number given to the network, such as x1, x2 or a pixel. Choosing useful features can make a problem much easier.",
  },

  // --- activations and outputs ---
  {
    term: "activation function",
    also: ["activation"],
    definition:
      "The rule a neuron applies to its sum before passing it on, such as ReLU or tanh. Its bends let the network draw curved shapes, not just straight lines.",
  },
  {
    term: "ReLU",
    also: ["rectified linear unit"],
    definition:
      "An activation that keeps positive numbers and turns negative ones into zero. A ReLU neuron that outputs zero for every input is called dead.",
  },
  {
    term: "sigmoid",
    also: ["logistic function"],
    definition:
      "An activation that squashes any number into the range 0 to 1, like a smooth on/off switch. When pushed far to either end (saturated) it learns slowly.",
  },
  {
    term: "tanh",
    definition: "An activation that squashes any number into the range −1 to 1: an S-shaped curve centred on zero.",
  },
  {
    term: "softmax",
    definition:
      "Turns a list of scores into probabilities that are all positive and add up to 1; the biggest score gets the biggest share.",
  },

  // --- measuring mistakes ---
  {
    term: "loss",
    also: ["loss function"],
    definition:
      "One number saying how wrong the network's answers are: 0 is perfect. Training means changing the weights to make the loss smaller.",
  },
  {
    term: "training loss",
    definition: "The loss measured on the training data, the examples the network learns from.",
  },
  {
    term: "validation loss",
    definition:
      "The loss on validation data, which the network never trains on: a fair test. If it rises while the training loss falls, the network is overfitting.",
  },
  {
    term: "cross-entropy",
    also: ["log loss"],
    definition:
      "The usual loss for classification: small when the network gives the right class a high probability, very large when it is confidently wrong.",
  },
  {
    term: "MSE",
    also: ["mean squared error"],
    definition:
      "Mean squared error: the average of (prediction − truth)², the usual loss for predicting numbers. Big mistakes count much more than small ones.",
  },
  {
    term: "accuracy",
    definition: "The share of examples the network gets right: 95% means 95 out of every 100 answers are correct.",
  },
  {
    term: "confusion matrix",
    also: ["confusion matrices"],
    definition:
      "A table of true class (rows) against predicted class (columns). The diagonal counts right answers; the other cells show which classes get mixed up.",
  },

  // --- how it learns ---
  {
    term: "gradient",
    definition:
      "For every weight, which way and how steeply the loss changes if that weight is nudged. Training moves each weight a little downhill along it.",
  },
  {
    term: "backpropagation",
    also: ["backprop"],
    definition:
      "How the network works out every gradient: starting from the loss at the output, it passes the blame backwards, layer by layer, to each weight.",
  },
  { term: "epoch", definition: "One full pass over all the training data. Training usually takes many epochs." },
  {
    term: "batch",
    also: ["mini-batch", "minibatch"],
    definition: "A small group of training examples the network looks at together before it updates its weights once.",
  },
  {
    term: "batch size",
    definition:
      "How many examples are in each batch. Small batches give quick, noisy steps; big batches give slower, steadier ones.",
  },
  {
    term: "learning rate",
    definition:
      "How big a step each weight takes on every update. Too small and learning crawls; too big and the loss jumps around or blows up.",
  },
  {
    term: "learning-rate schedule",
    also: ["LR schedule"],
    definition:
      "A plan for changing the learning rate during training, usually making it smaller over time so the last steps are careful ones.",
  },
  {
    term: "optimizer",
    also: ["optimiser"],
    definition: "The rule that turns gradients into weight changes, such as SGD, momentum or Adam.",
  },
  {
    term: "SGD",
    also: ["stochastic gradient descent", "gradient descent"],
    definition:
      "Stochastic gradient descent: after each batch, move every weight a small step against its gradient, downhill on the loss. The simplest optimizer.",
  },
  {
    term: "momentum",
    definition:
      "An optimizer trick: each step keeps part of the previous step's direction, like a ball rolling downhill, so training speeds up and wobbles less.",
  },
  {
    term: "Adam",
    definition:
      "A popular optimizer that combines momentum with a separate, self-adjusting step size for every weight. It often works well without much tuning.",
  },
  {
    term: "vanishing gradient",
    definition:
      "When gradients shrink layer by layer (or step by step) on their way back, so the early layers barely learn. Common with sigmoid and plain RNNs.",
  },
  {
    term: "exploding gradient",
    definition:
      "When gradients grow huge on their way back, so the weights jump wildly and the loss may become infinite: the run diverges.",
  },
  {
    term: "gradient clipping",
    definition:
      "A safety limit: if all the gradients together grow larger than a set size, they are scaled down before the step. It tames exploding gradients.",
  },
  {
    term: "early stopping",
    definition:
      "Stop training once the validation loss has not improved for a while (the patience), and keep the weights from the best epoch.",
  },

  // --- fitting well ---
  {
    term: "training data",
    also: ["training set", "training points"],
    definition:
      "The examples the network learns from: it sees their right answers and adjusts its weights to fit them.",
  },
  {
    term: "validation data",
    also: ["validation set", "validation points"],
    definition:
      "Examples held back from training, used only to check how well the network does on data it has never seen.",
  },
  {
    term: "overfitting",
    also: ["overfit"],
    definition:
      "When a network memorizes its training examples, noise included, instead of the general pattern: training loss keeps falling while validation loss rises.",
  },
  {
    term: "underfitting",
    also: ["underfit"],
    definition:
      "When a network is too simple, or has trained too little, to capture the pattern: both training and validation loss stay high.",
  },
  {
    term: "regularization",
    also: ["regularisation", "regularizer"],
    definition:
      "Any trick that discourages the network from memorizing the training data, for example by keeping its weights small. It helps against overfitting.",
  },
  {
    term: "L1",
    also: ["L1 regularization"],
    definition:
      "Regularization that adds the sizes of all the weights to the loss. It pushes unneeded weights all the way to zero.",
  },
  {
    term: "L2",
    also: ["L2 regularization", "weight decay"],
    definition:
      "Regularization that adds the squares of all the weights to the loss (also called weight decay). It keeps every weight small, so the model stays smooth.",
  },
  {
    term: "dropout",
    also: ["drop rate"],
    definition:
      "During training, a random share of the neurons (the drop rate) is switched off at every step, so the network cannot rely on any single one.",
  },
  {
    term: "batch normalization",
    also: ["batchnorm", "batch norm"],
    definition:
      "A layer that rescales its inputs over each batch to an average of 0 and a spread of 1, which often makes training faster and steadier.",
  },
  {
    term: "layer normalization",
    also: ["layernorm", "layer norm"],
    definition:
      "Like batch normalization, but it rescales the numbers within each single example instead of across the batch. Common in sequence models.",
  },
  {
    term: "skip connection",
    also: ["skip connections", "residual connection", "residual connections"],
    definition:
      "A shortcut that adds a block's input to its output: the block learns only a change, and the learning signal flows back past it undiminished, so very deep networks train.",
  },
  {
    term: "noise",
    definition:
      "Random jitter in the data, like measurement errors. More noise hides the pattern and makes overfitting easier.",
  },
  {
    term: "seed",
    also: ["random seed"],
    definition:
      "The starting number of the random generator. The same seed gives the same data and the same first weights, so an experiment can be repeated exactly.",
  },

  // --- images ---
  {
    term: "convolution",
    also: ["convolutional", "conv2d"],
    definition:
      "Sliding a small filter across an image and computing, at each spot, how well the patch under it matches. The result is a feature map.",
  },
  {
    term: "filter",
    also: ["kernel"],
    definition:
      "A small grid of weights (say 3×3) that a convolution slides over the image to detect one pattern, such as an edge. Also called a kernel.",
  },
  {
    term: "feature map",
    also: ["activation map"],
    definition:
      "The picture one filter of a convolution layer produces: bright where it found its pattern in the image, dark where it did not.",
  },
  {
    term: "pooling",
    also: ["max pooling", "average pooling", "maxpool2d", "avgpool2d"],
    definition:
      "Shrinks a feature map by keeping one number per small window, the largest (max pooling) or the average, so later layers see a wider area.",
  },
  {
    term: "stride",
    definition:
      "How many pixels a filter or pooling window jumps each time it moves. A stride of 2 halves the map's width and height.",
  },
  {
    term: "padding",
    definition:
      "A border of zeros added around an image, so a filter can also sit on the edge pixels and the map keeps its size.",
  },
  {
    term: "flatten",
    definition: "Lays a stack of feature maps out as one long list of numbers, so that a dense layer can read it.",
  },

  // --- sequences and text ---
  {
    term: "recurrent network",
    also: ["RNN", "recurrent neural network", "recurrent layer"],
    definition:
      "A network for sequences: it reads one step at a time and carries a hidden state from each step to the next, like a running memory.",
  },
  {
    term: "LSTM",
    also: ["long short-term memory"],
    definition:
      "Long short-term memory: a recurrent layer with gates that decide what to keep, forget and output, so it can remember things for many steps.",
  },
  {
    term: "GRU",
    also: ["gated recurrent unit"],
    definition:
      "Gated recurrent unit: a simpler cousin of the LSTM, with two gates. It also learns what to keep in memory over many steps.",
  },
  {
    term: "hidden state",
    definition:
      "The list of numbers a recurrent layer carries from one step to the next: its memory of what it has read so far.",
  },
  {
    term: "attention",
    also: ["self-attention"],
    definition:
      "A layer that lets each step of a sequence look at every other step and decide which ones matter most to it right now.",
  },
  {
    term: "embedding",
    definition:
      "A learned list of numbers standing for each symbol, such as a letter, so that symbols used alike can end up with similar numbers.",
  },
  // --- generative adversarial networks (/gan) ---
  {
    term: "GAN",
    also: ["generative adversarial network"],
    definition:
      "Two networks trained against each other: a generator makes fake samples, a discriminator tries to tell them from real ones, and both get better.",
  },
  {
    term: "generator",
    definition:
      "In a GAN, the network that turns random numbers (a latent vector) into a sample, trying to make it look like the real data.",
  },
  {
    term: "discriminator",
    definition:
      "In a GAN, the network that looks at a sample and says how likely it is to be real rather than made by the generator.",
  },
  {
    term: "latent vector",
    also: ["latent", "latent space"],
    definition:
      "The random numbers a generator starts from. Each latent vector gives one sample; nearby vectors usually give similar samples.",
  },
  {
    term: "mode collapse",
    definition:
      "When a generator makes only a few kinds of samples (one blob, one digit) and ignores the rest of the real data's variety.",
  },
  {
    term: "temperature",
    definition:
      "How adventurous sampling is: low picks the likeliest next letter (safe, repetitive), high picks unlikely ones more often (creative, odd).",
  },
]);
