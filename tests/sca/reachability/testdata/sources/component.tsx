import React from 'react';
import type { FC } from 'react-types-only';

/* import Trap from 'trap-block'; */
export const Hello: FC<{ name: string }> = ({ name }) => {
  const Lazy = React.lazy(() => import('./Lazy'));
  return <p data-text="require('trap-attribute')">{name}<Lazy /></p>;
};
