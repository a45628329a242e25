import { render } from 'preact';
import { App, takePortalToken } from './app';
import { applyStoredTheme } from './theme';
import './styles.css';

applyStoredTheme();
takePortalToken();
const root = document.getElementById('app');
if (root) render(<App />, root);
