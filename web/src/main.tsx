import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ComponentType, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import './app.css';
import { ApiError } from './api.ts';
import { AppShell } from './components/shell.tsx';
import { ToastProvider } from './components/toast.tsx';
import { Login, Signup } from './screens/auth.tsx';
import { Inbox, inboxQuery } from './screens/Inbox.tsx';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change on its own; anything else gets one more try.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 1,
      refetchOnWindowFocus: true,
    },
  },
});

/**
 * Screens other than the inbox and the login are separate chunks, loaded when first opened: the
 * inbox, where an agent lands, parses only its own code.
 */
const screen = <T,>(load: () => Promise<T>, pick: (m: T) => ComponentType) => ({
  lazy: async () => ({ Component: pick(await load()) }),
});

const router = createBrowserRouter(
  [
    { path: '/login', element: <Login /> },
    { path: '/signup', element: <Signup /> },
    {
      path: '/forgot-password',
      ...screen(
        () => import('./screens/auth-recovery.tsx'),
        (m) => m.ForgotPassword,
      ),
    },
    {
      path: '/reset-password',
      ...screen(
        () => import('./screens/auth-recovery.tsx'),
        (m) => m.ResetPassword,
      ),
    },
    {
      path: '/verify-email',
      ...screen(
        () => import('./screens/auth-recovery.tsx'),
        (m) => m.VerifyEmail,
      ),
    },
    {
      path: '/accept-invitation',
      ...screen(
        () => import('./screens/auth-invitation.tsx'),
        (m) => m.AcceptInvitation,
      ),
    },
    {
      path: '/',
      element: <AppShell />,
      children: [
        { index: true, element: <Navigate to="/leads" replace /> },
        { path: 'leads', element: <Inbox /> },
        {
          path: 'leads/:id',
          ...screen(
            () => import('./screens/LeadDetail.tsx'),
            (m) => m.LeadDetail,
          ),
        },
        {
          path: 'board',
          ...screen(
            () => import('./screens/Board.tsx'),
            (m) => m.Board,
          ),
        },
        {
          path: 'pages',
          ...screen(
            () => import('./screens/Pages.tsx'),
            (m) => m.Pages,
          ),
        },
        {
          path: 'pages/:id',
          ...screen(
            () => import('./screens/Pages.tsx'),
            (m) => m.PageEditor,
          ),
        },
        {
          path: 'contacts',
          ...screen(
            () => import('./screens/Contacts.tsx'),
            (m) => m.Contacts,
          ),
        },
        {
          path: 'usage',
          ...screen(
            () => import('./screens/Usage.tsx'),
            (m) => m.Usage,
          ),
        },
        {
          path: 'settings',
          ...screen(
            () => import('./screens/Settings.tsx'),
            (m) => m.Settings,
          ),
        },
      ],
    },
    { path: '*', element: <Navigate to="/leads" replace /> },
  ],
  { basename: '/app' },
);

// Opening on the inbox: its first page is asked for now, alongside who am I, not after it.
if (/^\/app(\/leads)?\/?$/.test(window.location.pathname)) {
  void queryClient.prefetchInfiniteQuery(inboxQuery(new URLSearchParams(window.location.search)));
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <RouterProvider router={router} />
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
