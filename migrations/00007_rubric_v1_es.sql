-- +goose Up
-- Spanish texts of rubric version 1, one row per criterion and language.
-- Pages in Spanish overlay these on the English criteria, field by field,
-- and fall back to English where a field is empty. Statute citations are
-- kept as they are. Text is dollar-quoted; no line inside a value ends in a
-- semicolon, so goose sees exactly two statements.
CREATE TABLE criterion_translations (
    rubric_version integer NOT NULL,
    key            text    NOT NULL,
    lang           text    NOT NULL CHECK (lang ~ '^[a-z]{2,3}$' AND lang <> 'en'),
    title          text    NOT NULL DEFAULT '',
    description    text    NOT NULL DEFAULT '',
    signal         text    NOT NULL DEFAULT '',
    anchors        jsonb   CHECK (anchors IS NULL OR (jsonb_typeof(anchors) = 'array' AND jsonb_array_length(anchors) = 5)),
    legal_source   text    NOT NULL DEFAULT '',
    PRIMARY KEY (rubric_version, key, lang),
    FOREIGN KEY (rubric_version, key) REFERENCES criteria (rubric_version, key) ON DELETE CASCADE
);

INSERT INTO criterion_translations (rubric_version, key, lang, title, description, signal, anchors, legal_source) VALUES
    (1, 'groups', 'es', $$Participación de todos los grupos que exige la ley$$,
     $$Pruebas de que el estado consultó a cada grupo que nombra la ley: el gobernador, los legisladores estatales, la junta estatal de educación, los distritos escolares (incluidos los rurales), las tribus indígenas, los maestros, los directores y otros líderes escolares, los líderes de escuelas chárter, el personal especializado de apoyo educativo, los paraprofesionales, los administradores, otro personal escolar y los padres. También cuentan los grupos más amplios de la norma de 2016 (derogada en 2017, pero todavía la mejor descripción de las buenas prácticas), como las organizaciones comunitarias y de derechos civiles, quienes defienden a los estudiantes con discapacidades y a los estudiantes que aprenden inglés, la educación superior, los empleadores y los educadores de la primera infancia. Cuentan como prueba las agendas, encuestas, listas de asistentes o listas de contactos que nombran a los grupos alcanzados; una declaración general de que se consultó a las partes interesadas no cuenta.$$,
     $$Cuenta los distintos grupos alcanzados en las actividades de participación del estado, y da más peso a los grupos que exige el §1111(a)(1)(A) que a los grupos adicionales de 34 CFR 299.15(a).$$,
     $$[
        "No hay pruebas de que se consultara a ningún grupo nombrado.",
        "Solo se alcanzó a unos pocos grupos (por ejemplo, los líderes de los distritos y la junta estatal), o se nombran grupos sin ninguna actividad que los alcanzara.",
        "Se alcanza a todos los grupos del §1111(a)(1)(A) que corresponden al estado, incluidos los distritos rurales, los maestros y los padres.",
        "Todos los grupos que exige la ley y la mayoría de los grupos adicionales de 34 CFR 299.15(a), como las organizaciones de derechos civiles, de personas con discapacidades y de estudiantes que aprenden inglés, las organizaciones comunitarias, la educación superior y los empleadores.",
        "Se alcanza a todos los grupos de la ley y de 299.15(a), con esfuerzos dirigidos a las comunidades desatendidas, desde la redacción hasta la implementación."
     ]$$::jsonb,
     $$ESSA §1111(a)(1)(A) (20 USC 6311); 34 CFR 299.15(a) (norma de 2016, derogada en 2017)$$),

    (1, 'governor', 'es', $$Gobernador, legislatura y junta estatal$$,
     $$Pruebas de que la agencia estatal de educación consultó al gobernador mientras preparaba el plan y antes de presentarlo, y de que involucró a los legisladores estatales y a la junta estatal de educación. Cuentan las cartas de consulta, la carta de firma del gobernador, las reuniones informativas con la legislatura y los puntos de la agenda de la junta estatal sobre el plan. El gobernador tiene 30 días para firmar, y un plan que el gobernador no firma se presenta de todos modos.$$,
     $$Busca registros de la consulta o la firma del gobernador, y comprueba que el gobernador tuvo el plan al menos 30 días antes de que se presentara.$$,
     $$[
        "No hay registro de consulta con el gobernador, la legislatura ni la junta estatal.",
        "Un solo contacto, como el plan enviado al gobernador al presentarlo sin tiempo para responder, o una sola reunión informativa con la junta.",
        "Se consultó al gobernador durante la preparación y se le dio el plan al menos 30 días antes de presentarlo.",
        "La consulta al gobernador que exige la ley, y además reuniones informativas con la junta estatal y los comités de educación de la legislatura sobre cada borrador.",
        "El gobernador, la legislatura y la junta estatal participan en cada etapa y en cada enmienda, y se publican las cartas de consulta y de firma."
     ]$$::jsonb,
     $$ESEA §8540 (20 USC 7920)$$),

    (1, 'tribal', 'es', $$Consulta con las tribus$$,
     $$Pruebas de que el estado consultó sobre su plan a representantes de las tribus indígenas del estado, y de que los distritos afectados (al menos un 50 % de estudiantes indígenas americanos o nativos de Alaska, o una subvención del Título VI de más de 40 000 dólares) consultaron a las tribus, con una afirmación por escrito firmada por funcionarios tribales. Un estado sin tribus reconocidas por el gobierno federal se marca como «no corresponde» en lugar de recibir una puntuación.$$,
     $$Busca actividades de consulta con las tribus, y marca el criterio como «no corresponde» cuando el estado no tiene tribus reconocidas por el gobierno federal.$$,
     $$[
        "No hay pruebas de consulta con las tribus (un estado sin tribus reconocidas por el gobierno federal se marca como «no corresponde» en lugar de recibir un 0).",
        "Un solo contacto, como una carta o invitación a las tribus sin ninguna reunión ni respuesta registrada.",
        "Se consultó sobre el plan a representantes tribales, y constan afirmaciones por escrito firmadas por funcionarios tribales para los distritos afectados.",
        "Sesiones de consulta dedicadas con las tribus del estado, antes de que los borradores sean definitivos, y el plan recoge lo que aportaron las tribus.",
        "Consulta regular con las tribus durante la implementación y en cada enmienda, con resúmenes publicados de lo que se planteó y de cómo respondió el estado."
     ]$$::jsonb,
     $$ESSA §1111(a)(1)(A); ESEA §8538 (20 USC 7918)$$),

    (1, 'comment', 'es', $$Período de comentarios públicos y aviso$$,
     $$Pruebas de que el estado publicó su borrador del plan o su enmienda para recibir comentarios del público, anunció cuándo y cómo comentar, y tuvo en cuenta los comentarios antes de presentarlo. Cuentan los avisos, los portales de comentarios, las fechas límite publicadas y los correos electrónicos para comentarios. Un plazo de al menos 30 días es la lectura habitual de la ley (verificar el §1111(a)(8)).$$,
     $$Lee el inicio y el fin de cada período de comentarios y comprueba que duró al menos 30 días, que se anunció con anticipación y que se repitió con cada nuevo borrador.$$,
     $$[
        "No se encontró ningún período de comentarios públicos.",
        "Una oportunidad para comentar sin fechas indicadas, o un plazo de menos de 30 días.",
        "Un período de comentarios de al menos 30 días sobre el borrador, con aviso público de cómo y dónde comentar.",
        "Un período de al menos 30 días anunciado con anticipación, y una segunda ronda de comentarios sobre un borrador revisado.",
        "Cada borrador y cada enmienda tiene un período de comentarios de al menos 30 días con aviso previo, y se publican las respuestas a los comentarios."
     ]$$::jsonb,
     $$ESEA §8304 (el plazo de 30 días es la lectura habitual; verificar el §1111(a)(8))$$),

    (1, 'modes', 'es', $$Varias maneras de participar$$,
     $$Pruebas de que las personas podían participar de más de una manera, como reuniones en persona, encuestas en línea, seminarios web, grupos de enfoque y comentarios por escrito, para que quien no pueda asistir a una reunión también pueda ser escuchado. Cuenta cada manera distinta que se ofreció en una fase del plan.$$,
     $$Cuenta los distintos tipos de actividad que se ofrecieron en cada fase del plan, como reuniones, encuestas, seminarios web, grupos de enfoque y comentarios por escrito.$$,
     $$[
        "No se encontró ninguna manera de participar.",
        "Solo una manera de participar, como comentarios por escrito o una sola reunión.",
        "Comentarios por escrito y al menos otra manera de participar, como reuniones públicas o una encuesta, mientras se redacta el plan.",
        "Cuatro o más maneras, que combinan opciones en persona y en línea, como encuestas, seminarios web y grupos de enfoque, durante la redacción.",
        "Varias maneras de participar en cada fase, desde antes del primer borrador hasta la implementación y las enmiendas."
     ]$$::jsonb,
     $$CCSSO, Let's Get This Conversation Started, paso 4 (usar varios medios)$$),

    (1, 'access', 'es', $$Acceso según el lugar y la hora$$,
     $$Pruebas de que personas de todo el estado, incluidas las comunidades rurales y quienes trabajan durante el día, podían participar: reuniones en varias regiones y condados, en horario de noche o de fin de semana, y una manera de participar a distancia. La norma de 2016 pedía que la consulta reflejara la diversidad geográfica del estado.$$,
     $$Mide el acceso según el lugar y la hora a partir de las regiones y los condados donde se hicieron las actividades, los lugares rurales, las horas de inicio de noche o de fin de semana, y si se ofreció una opción a distancia.$$,
     $$[
        "No hay información sobre dónde ni cuándo se hizo la participación.",
        "Actividades solo en la capital o en un solo lugar, en horario laboral entre semana, sin opción a distancia.",
        "Reuniones en varias regiones del estado, o una opción a distancia, para que las personas de fuera de la capital puedan participar.",
        "Reuniones en la mayoría de las regiones, incluidas las zonas rurales, con algunas sesiones de noche o de fin de semana y una opción a distancia.",
        "Cobertura de todo el estado, incluidos los condados rurales, con horarios de noche y de fin de semana y acceso a distancia como algo habitual, desde la redacción hasta la implementación."
     ]$$::jsonb,
     $$34 CFR 299.15(a) diversidad geográfica (norma de 2016, derogada en 2017)$$),

    (1, 'language', 'es', $$Acceso en otros idiomas$$,
     $$Pruebas de que las familias que hablan idiomas distintos del inglés podían leer los materiales y participar: resúmenes, avisos y encuestas traducidos, e interpretación en las reuniones, en los idiomas que más hablan las familias del estado. La ley pide que los informes escolares estén, en la medida de lo posible, en un idioma que los padres puedan entender, y este criterio aplica esa misma norma a la participación, por analogía.$$,
     $$Compara los idiomas de los documentos publicados y de la interpretación ofrecida en las actividades con los principales idiomas de las familias del estado.$$,
     $$[
        "Materiales y reuniones solo en inglés, o no hay información sobre el acceso en otros idiomas.",
        "Un solo material traducido, como una encuesta en español, o interpretación solo si se pide.",
        "Los materiales principales (resumen del plan, aviso de comentarios, encuesta) están disponibles en el idioma de las familias más común del estado después del inglés.",
        "Los materiales principales e interpretación en las reuniones en varios de los principales idiomas de las familias del estado.",
        "Todos los materiales principales e interpretación en cada uno de los principales idiomas de las familias del estado, mantenidos durante la implementación y las enmiendas."
     ]$$::jsonb,
     $$ESSA §1111(h)(1)(B) por analogía; CCSSO, Let's Get This Conversation Started, paso 3 (hablarle a su público)$$),

    (1, 'plain', 'es', $$Materiales en lenguaje sencillo$$,
     $$Pruebas de que el estado explicó el plan sin jerga educativa, con resúmenes breves, preguntas frecuentes, hojas informativas de una página o videos que un padre o una madre pueda seguir, publicados junto al plan completo. También cuenta el texto claro y fácil de leer en las páginas del propio estado.$$,
     $$Busca resúmenes, preguntas frecuentes y videos, y mide qué tan fácil de leer es el texto que publica el estado.$$,
     $$[
        "Solo se publicó el plan técnico completo, o no se encontraron materiales.",
        "Un solo resumen general o presentación escrita para especialistas.",
        "Un resumen en lenguaje sencillo o unas preguntas frecuentes publicadas junto al borrador del plan.",
        "Varios formatos en lenguaje sencillo, como un resumen, preguntas frecuentes y un video, con un nivel de lectura accesible.",
        "Materiales en lenguaje sencillo para cada borrador y cada enmienda, actualizados a medida que el plan cambia durante la implementación."
     ]$$::jsonb,
     $$CCSSO, Let's Get This Conversation Started, paso 7 (mantener los materiales sencillos)$$),

    (1, 'disability', 'es', $$Acceso para personas con discapacidades$$,
     $$Pruebas de que las personas con discapacidades podían participar: avisos que explican cómo pedir adaptaciones, videos y seminarios web con subtítulos, y documentos publicados en formatos accesibles.$$,
     $$Busca avisos sobre adaptaciones, subtítulos en las grabaciones y los seminarios web, y documentos accesibles.$$,
     $$[
        "No se encontró información sobre accesibilidad.",
        "Una sola línea genérica sobre adaptaciones, o un solo material con subtítulos.",
        "Los avisos de las reuniones explican cómo pedir adaptaciones, y los documentos publicados son accesibles.",
        "Avisos sobre adaptaciones, grabaciones y seminarios web con subtítulos, y documentos accesibles en todas las actividades de participación.",
        "La accesibilidad forma parte de cada actividad y cada documento, desde la redacción hasta la implementación y las enmiendas."
     ]$$::jsonb,
     $$ED 2018 accessibility reminder (recordatorio de accesibilidad del Departamento de Educación, 2018)$$),

    (1, 'early', 'es', $$Opiniones antes de las decisiones$$,
     $$Pruebas de que el estado pidió opiniones antes de escribir el plan o de tomar decisiones importantes, y no solo cuando ya tenía un borrador terminado. Cuentan las sesiones de escucha, las encuestas o las reuniones de asesoría con fecha anterior al primer borrador.$$,
     $$Compara la fecha de la primera actividad de participación con la fecha del primer borrador, y premia la participación que empezó antes de que existiera un borrador.$$,
     $$[
        "No se encontraron fechas de participación, o la participación empezó solo después de presentar el plan.",
        "Solo se pidieron opiniones sobre un borrador terminado, después de tomar las decisiones importantes.",
        "Algo de participación durante la preparación, antes de publicar el borrador para comentarios del público.",
        "Sesiones de escucha o encuestas antes del primer borrador, con preguntas abiertas sobre metas y prioridades.",
        "Se recogen opiniones antes de cada decisión importante, para el plan original y para las enmiendas, y el plan muestra cómo esas primeras opiniones le dieron forma."
     ]$$::jsonb,
     $$CCSSO, Let's Get This Conversation Started, paso 6 (pedir opiniones antes de tomar decisiones)$$),

    (1, 'feedback', 'es', $$Respuesta al público y transparencia$$,
     $$Pruebas de que el estado le contó a la gente lo que escuchó y qué hizo con ello: informes de «lo que escuchamos», respuestas a los comentarios del público, secciones del plan que citan las opiniones en que se basan, y grabaciones y actas de las reuniones publicadas. Las partes interesadas deberían poder reconocer su huella en el plan.$$,
     $$Busca resúmenes de «lo que escuchamos», respuestas a los comentarios, y grabaciones y actas de reuniones publicadas.$$,
     $$[
        "No se encontró ningún resumen de opiniones, respuesta a los comentarios ni registro de reuniones.",
        "Una breve mención de que se recibieron opiniones, o una sola acta.",
        "Un resumen de los comentarios del público recibidos y de cómo se tuvieron en cuenta, publicado con el plan.",
        "Un informe de «lo que escuchamos» con respuestas a los comentarios que muestran qué cambió en el plan, y grabaciones y actas publicadas.",
        "En cada ronda y cada enmienda, respuestas publicadas a los comentarios, secciones del plan que citan las opiniones que les dieron forma, y registros completos de las reuniones, mantenidos durante la implementación."
     ]$$::jsonb,
     $$CCSSO, Transparency in Stakeholder Engagement; Partners for Each and Every Child, Process and Protest ('show your work')$$),

    (1, 'advisory', 'es', $$Comités asesores representativos$$,
     $$Pruebas de que el estado convocó comités asesores, grupos de trabajo o comisiones que representan a los grupos que exige la ley, publicó quiénes los integran y los mantuvo reuniéndose. Las reuniones abiertas al público y los miembros que informan a los grupos que representan cuentan más que los grupos cerrados a quienes no son miembros.$$,
     $$Busca listas publicadas de miembros de los comités asesores, relaciona a sus miembros con los grupos interesados y cuenta con qué frecuencia se reúnen.$$,
     $$[
        "No se encontró ningún comité asesor.",
        "Existe un comité asesor, pero no se publican sus miembros, o se reunió una sola vez.",
        "Una lista publicada de miembros que abarca varios de los grupos exigidos, con más de una reunión mientras se preparaba el plan.",
        "Una lista publicada de miembros que representa a la mayoría de los grupos exigidos, incluidos los padres y las comunidades desatendidas, con reuniones regulares y agendas y actas publicadas.",
        "Un comité representativo que se reúne con regularidad y en público durante la implementación y las enmiendas, y cuyos miembros informan a los grupos que representan."
     ]$$::jsonb,
     $$Partners for Each and Every Child, Process and Protest ('stick with it')$$),

    (1, 'ongoing', 'es', $$Participación continua después de presentar el plan$$,
     $$Pruebas de que la participación continuó después de que el plan se envió al Departamento de Educación de EE. UU.: consulta al gobernador y oportunidad de comentarios del público en cada enmienda, y reuniones, encuestas o informes durante la implementación. Los estados siguen enmendando sus planes, así que esto se revisa cada año.$$,
     $$Cuenta las actividades de participación en las fases de implementación y de enmienda, año por año, después de presentar el plan.$$,
     $$[
        "No se encontró participación después de presentar el plan.",
        "Una sola actividad después de presentarlo, como una reunión o un aviso de una enmienda.",
        "Cada enmienda del plan se hizo con consulta al gobernador y una oportunidad razonable de comentarios del público.",
        "Enmiendas abiertas a comentarios del público, y actividades de participación durante la implementación en la mayoría de los años.",
        "Participación cada año durante la implementación y en cada enmienda, de varias maneras, con los resultados comunicados a las partes interesadas."
     ]$$::jsonb,
     $$ED June 2016 letter to states; ED 2018 letter on plan amendments (cartas del Departamento de Educación)$$);

-- +goose Down
DROP TABLE criterion_translations;
