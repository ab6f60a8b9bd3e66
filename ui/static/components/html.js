// html is htm bound to preact's h: the JSX-like templates of every component, with no build step.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
