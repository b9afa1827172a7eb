import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import './app.css';
import { ApiError } from './api.ts';
import { AppShell } from './components/shell.tsx';
import { ToastProvider } from './components/toast.tsx';
import { Login, Signup } from './screens/auth.tsx';
import { AcceptInvitation } from './screens/auth-invitation.tsx';
import { ForgotPassword, ResetPassword, VerifyEmail } from './screens/auth-recovery.tsx';
import { Board } from './screens/Board.tsx';
import { Inbox } from './screens/Inbox.tsx';
import { LeadDetail } from './screens/LeadDetail.tsx';
import { Settings } from './screens/Settings.tsx';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change on its own; anything else gets one more try.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 1,
      refetchOnWindowFocus: true,
    },
  },
});

const router = createBrowserRouter(
  [
    { path: '/login', element: <Login /> },
    { path: '/signup', element: <Signup /> },
    { path: '/forgot-password', element: <ForgotPassword /> },
    { path: '/reset-password', element: <ResetPassword /> },
    { path: '/verify-email', element: <VerifyEmail /> },
    { path: '/accept-invitation', element: <AcceptInvitation /> },
    {
      path: '/',
      element: <AppShell />,
      children: [
        { index: true, element: <Navigate to="/leads" replace /> },
        { path: 'leads', element: <Inbox /> },
        { path: 'leads/:id', element: <LeadDetail /> },
        { path: 'board', element: <Board /> },
        { path: 'settings', element: <Settings /> },
      ],
    },
    { path: '*', element: <Navigate to="/leads" replace /> },
  ],
  { basename: '/app' },
);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <RouterProvider router={router} />
      </ToastProvider>
    </QueryClientProvider>
  </StrictMode>,
);
