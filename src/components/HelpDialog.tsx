import { useRef } from 'react';

/**
 * "What am I looking at?": the measures on the page in a few sentences each, with their caveats
 * (docs/method.md has the formulas). A native modal <dialog>: Esc and Close shut it, focus returns
 * to the button.
 */
export function HelpDialog() {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button type="button" className="header-button" data-testid="help-button" aria-haspopup="dialog" onClick={() => dialog.current?.showModal()}>
        Help
      </button>
      <dialog ref={dialog} className="help-dialog" data-testid="help-dialog" aria-labelledby="help-title">
        <div className="dialog-head">
          <h2 id="help-title">What the page shows</h2>
          <button type="button" className="small-button" data-testid="help-close" aria-label="Close" onClick={() => dialog.current?.close()}>
            ×
          </button>
        </div>
        <h3>The pipeline</h3>
        <p>
          A vision-language model cuts an image into patches, runs them through a vision encoder (one vector per patch: the pre-projection tokens), then a
          connector maps them into the language model's space (the post-projection tokens). The connector can merge, drop or blur what the encoder saw; every
          measure here asks how much.
        </p>
        <h3>KNOR (neighbour overlap)</h3>
        <p>
          Each image is one vector (its tokens averaged). For every image the app finds its k nearest images before the connector and after it; KNOR is the
          share of the k that are in both lists. 1: the connector kept who is near whom; 0: it reordered everything. The mean is over all images. The random-map
          baseline shows what a random linear map of the same shape would keep: a connector below it reorders more than chance.
        </p>
        <h3>Precision@k by label</h3>
        <p>
          With labelled images: the share of an image's k neighbours that carry its label, before and after. It cannot reach 1 when k is larger than a class, so
          the panel gives the best value these class sizes allow.
        </p>
        <h3>The heatmap</h3>
        <p>
          A small network (the reconstructor) learns to rebuild the pre-projection tokens from the post-projection ones. Its error on each patch, in
          standardised units, is drawn over the image: bright patches are where the connector lost most. It is an <strong>upper bound</strong> on the loss: a
          reconstructor too weak to invert the connector shows loss the connector did not cause. Held-out images (not trained on) are the fair read; the panel
          says which kind each image is.
        </p>
        <h3>Regions</h3>
        <p>
          Draw boxes on a heatmap or import COCO boxes to ask whether loss is higher inside a region: the means inside and outside, the share of the top-10%
          loss patches inside, and a permutation p-value. A box on an object against a plain background will look significant whatever the question: compare
          parts of the object instead.
        </p>
        <h3>Maps</h3>
        <p>
          Each dot is an image; PCA or UMAP lays the vectors out in two dimensions before and after the connector. Select a dot to draw lines to its neighbours
          in each space (solid: kept, dashed: lost). Two dimensions distort distances: KNOR is computed in the full space, not on the map.
        </p>
        <h3>Concepts</h3>
        <p>
          A sparse autoencoder rewrites each patch token as a few of m learned directions (“concepts”); one is trained before the connector and one after.
          Variance explained is compared with PCA keeping as many dimensions as there are active concepts. A concept before the connector is paired with the one
          after it that fires with it (co-activation ≥ 0.3: on the same patches, each token after the connector against the patches it was made from; on pooled
          vectors, on the same images) and points the same way once carried back by a linear map; with none it is listed as lost. With a reconstruction, the
          patches where lost concepts fire are compared with the rest by their patch loss (AUC: the share of pairs in which the lost-concept patch has the
          higher loss). With few images, co-activations are noisy; concepts that fire rarely are not stable across seeds (check stability).
        </p>
        <p className="hint">The formulas, the reference code they follow and their limits: docs/method.md in the project's repository.</p>
      </dialog>
    </>
  );
}
