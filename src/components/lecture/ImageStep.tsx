import type { ImageEntry } from '../../store/collectionStore.ts';
import { useCollection } from '../../store/hooks.ts';
import { selectImage } from '../../store/uiStore.ts';

/** How many other images are offered to pick from; the gallery behind the lecture has them all. */
const PICKS = 12;

export function ImageStep({ image }: { image: ImageEntry }) {
  const images = useCollection((s) => s.images);
  const at = images.indexOf(image);
  // A window of the collection around the shown image.
  const from = Math.max(0, Math.min(images.length - PICKS, at - Math.floor(PICKS / 2)));
  return (
    <div className="lecture-row">
      <figure className="lecture-figure">
        <img src={image.url} alt={image.name} data-testid="lecture-image" />
      </figure>
      <div className="lecture-facts">
        <p className="lecture-fact-big">{image.name}</p>
        <p>
          image {at + 1} of {images.length} in the collection{image.label ? `, labelled “${image.label}”` : ''}
          {image.width && image.height ? `, ${image.width} × ${image.height} px` : ''}
        </p>
        {images.length > 1 && (
          <div className="lecture-picks" role="group" aria-label="Show another image">
            {images.slice(from, from + PICKS).map((other) => (
              <button key={other.id} type="button" aria-pressed={other.id === image.id} aria-label={`Show ${other.name}`} onClick={() => selectImage(other.id)}>
                <img src={other.url} alt="" />
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
